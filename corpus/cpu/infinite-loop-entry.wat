;;! id = "cpu.infinite-loop-entry"
;;! guarantee = "CPU-01"
;;! since = "0.1.0"
;;! summary = "yoi_tool_call calls input_len, then loops forever"
;;! endless = true
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_len = 1 }
;; The classic runaway guest. With a 50 ms deadline the call must end with timeout; a runtime
;; without a deadline never answers (the kit then reports the adapter as hung).
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    ;; Spin forever: only the runtime can stop this.
    (loop $forever (br $forever))))
