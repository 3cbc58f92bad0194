;;! id = "package.zip-leading-bytes"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "two bytes (`MZ`) precede the first entry, the offsets written past them"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! leading_hex = "4d5a"
;;! [expect]
;;! code = "package_invalid"
;; The archive is exactly its entries from offset 0: bytes before them are a polyglot's other half
;; (an executable stub). A reader that follows the offsets loads the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
