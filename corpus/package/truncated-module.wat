;;! id = "package.truncated-module"
;;! guarantee = "PKG-07"
;;! since = "0.1.0"
;;! summary = "a type section that announces 5 bytes and ends after 4"
;;! [package]
;;! raw_module_hex = "0061736d 01000000 01 05 01 60 00 00"
;;! [expect]
;;! code = "module_invalid"
;; The file ends in the middle of a section. Parsers that trust section sizes read past the end of
;; the buffer; this must be a clean module_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
