;;! id = "cancel.mid-loop"
;;! guarantee = "CXL-01"
;;! since = "0.1.0"
;;! summary = "cancelled 20 ms into a pure-code infinite loop, twice"
;;! cancel_after_ms = 20
;;! repeat = 2
;;! [limits]
;;! deadline_ms = 2000
;;! [expect]
;;! code = "cancelled"
;;! min_host_calls = { input_len = 1 }
;; The deadline is two seconds away, so only the cancellation can end the call in time, and it must
;; be reported as cancelled, not timeout. Two calls: each has its own cancellation.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    ;; Spin forever: only the runtime can stop this.
    (loop $forever (br $forever))))
