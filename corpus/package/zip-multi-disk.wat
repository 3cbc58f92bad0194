;;! id = "package.zip-multi-disk"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the end record says the archive is disk 1 of a split archive"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! disk = 1
;;! [expect]
;;! code = "package_invalid"
;; One archive, one disk: a split archive is outside the profile.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
