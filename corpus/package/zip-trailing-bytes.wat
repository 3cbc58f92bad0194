;;! id = "package.zip-trailing-bytes"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "four bytes follow the end record"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! trailing_hex = "deadbeef"
;;! [expect]
;;! code = "package_invalid"
;; The end record is the last 22 bytes: a reader that scans backwards for it accepts anything
;; appended.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
