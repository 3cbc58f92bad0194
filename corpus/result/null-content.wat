;;! id = "result.null-content"
;;! guarantee = "RES-01"
;;! since = "0.1.0"
;;! summary = "a result whose content is null"
;;! [expect]
;;! output = { summary = "done" }
;; content null is the same as no content.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result (33 bytes).
  (data (i32.const 0) "{\"summary\":\"done\",\"content\":null}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 33)))))
