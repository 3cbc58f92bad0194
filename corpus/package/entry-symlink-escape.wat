;;! id = "package.entry-symlink-escape"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "plugin.wasm is a symlink to a valid module outside the package"
;;! [package]
;;! module_path = "../outside.wasm"
;;! symlink_entry_to = "../outside.wasm"
;;! [expect]
;;! code = "path_escape"
;; The package holds only the manifest and a symlink; the module it points to is valid and outside
;; the package (and so outside the digest). A runtime that follows links runs code the host never
;; pinned.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
