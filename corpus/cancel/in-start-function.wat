;;! id = "cancel.in-start-function"
;;! guarantee = "CXL-01"
;;! since = "0.1.0"
;;! summary = "cancelled 20 ms into an infinite loop in the start function"
;;! cancel_after_ms = 20
;;! [limits]
;;! deadline_ms = 2000
;;! [expect]
;;! code = "cancelled"
;;! min_host_calls = { input_len = 1 }
;; Cancellation must be wired before instantiation, like the deadline.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the start function returned\"}")
  ;; The start function runs during instantiation, before any export can be called.
  (func $init
    (drop (call $input_len))
    ;; Spin forever: only the runtime can stop this.
    (loop $forever (br $forever)))
  (start $init)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
