;;! id = "package.manifest-unknown-table"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "the manifest adds a [permissions] table asking for the file system and the network"
;;! [package]
;;! manifest_append = "\n[permissions]\nfilesystem = [\"/\"]\nnetwork = true\n"
;;! [expect]
;;! code = "manifest_invalid"
;; An unknown top-level table that asks for authority. Ignoring unknown keys would let a package
;; believe it was granted something and would let typos pass; the manifest is refused with
;; manifest_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
