;;! id = "input.over-cap-multibyte"
;;! guarantee = "IN-01"
;;! since = "0.1.0"
;;! summary = "input_bytes = 64 and an input of 37 characters that is 65 UTF-8 bytes"
;;! separates_from = { input_bytes = 37 }
;;! input = '{"t":"aéééééééééééééééééééééééééééé"}'
;;! [limits]
;;! input_bytes = 64
;;! [expect]
;;! code = "input_too_large"
;; The cap counts bytes. 28 two-byte characters make this input 65 bytes but only 37 characters (or
;; UTF-16 units): a runtime that measures the input with a character count lets it through.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the input reached the guest\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
