;;! id = "package.zip-file-also-directory"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the archive holds a file `lib` and a file `lib/x`"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "lib"
;;! text = "a file"
;;! [[zip.entry]]
;;! name = "lib/x"
;;! text = "below a file"
;;! [expect]
;;! code = "package_invalid"
;; A path cannot be a file and a directory: no extractor can write both.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
