;;! id = "result.summary-only"
;;! guarantee = "RES-01"
;;! since = "0.1.0"
;;! summary = "a result with a summary and no content key"
;;! [expect]
;;! output = { summary = "done" }
;; content is optional; its absence is reported as no content.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result (18 bytes).
  (data (i32.const 0) "{\"summary\":\"done\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 18)))))
