;;! id = "cancel.mid-host-import-loop"
;;! guarantee = "CXL-01"
;;! since = "0.1.0"
;;! summary = "cancelled 20 ms into a loop of host calls"
;;! cancel_after_ms = 20
;;! [limits]
;;! deadline_ms = 2000
;;! [expect]
;;! code = "cancelled"
;;! min_host_calls = { input_len = 100 }
;; The cancellation may arrive while the guest is inside a host function: it must still land
;; promptly once the guest is back.
(module
  (import "yoi:tool" "input_len"     (func $input_len     (result i32)))
  (import "yoi:tool" "tool_name_len" (func $tool_name_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    (loop $forever
      (drop (call $input_len))
      (drop (call $tool_name_len))
      (br $forever))))
