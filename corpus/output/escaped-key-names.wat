;;! id = "output.escaped-key-names"
;;! guarantee = "OUT-06"
;;! since = "0.1.0"
;;! summary = "writes the keys as \"summ\\u0061ry\" and \"cont\\u0065nt\""
;;! [expect]
;;! output = { summary = "escaped key" }
;; Keys compare after unescaping: these are "summary" and "content", so the result is valid. A
;; runtime comparing raw bytes refuses it, one that skips the comparison would accept any key, and
;; both are wrong.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summ\\u0061ry\":\"escaped key\",\"cont\\u0065nt\":null}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 50)))))
