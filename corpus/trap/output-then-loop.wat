;;! id = "trap.output-then-loop"
;;! guarantee = "TRAP-02"
;;! since = "0.1.0"
;;! summary = "writes a valid result, then loops forever"
;;! endless = true
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { output_write = 1 }
;; A timeout after a successful write is still a timeout; the output must not leak out as the tool
;; result.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"written before the loop\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 37)))
    (loop $forever (br $forever))))
