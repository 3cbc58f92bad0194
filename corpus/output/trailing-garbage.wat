;;! id = "output.trailing-garbage"
;;! guarantee = "OUT-05"
;;! since = "0.1.0"
;;! summary = "a valid result followed by the letter x"
;;! [expect]
;;! code = "output_malformed"
;;! min_host_calls = { output_write = 1 }
;; Trailing content after the value.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A result and one more byte (19 bytes)
  (data (i32.const 0) "{\"summary\":\"done\"}x")
  (func (export "yoi_tool_call")
    ;; One write of the whole buffer. It is in bounds and under the cap, so it succeeds and
    ;; the output contract alone decides the outcome.
    (drop (call $output_write (i32.const 0) (i32.const 19)))))
