;;! id = "package.zip-extra-file-hashed"
;;! guarantee = "PKG-10"
;;! since = "0.1.0"
;;! summary = "a stored zip holding a third file beside the manifest and the module"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "notes.txt"
;;! text = "not part of the module, part of the digest"
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; The kit pins the digest over every regular-file entry. A reader that hashes only the manifest and
;; the module computes another digest and refuses the package with digest_mismatch.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
