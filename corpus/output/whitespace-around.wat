;;! id = "output.whitespace-around"
;;! guarantee = "OUT-05"
;;! since = "0.1.0"
;;! summary = "a valid result with newlines, tabs and spaces around it"
;;! [expect]
;;! output = { summary = "padded" }
;; JSON whitespace around the value is part of one JSON text: accepted.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Whitespace, a result, whitespace.
  (data (i32.const 0) "\0a\09 {\"summary\":\"padded\"} \0d\0a")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 26)))))
