;;! id = "errors.trap-in-start"
;;! guarantee = "ERR-02"
;;! since = "0.1.0"
;;! summary = "the start function executes unreachable"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;;! min_host_calls = { input_len = 1 }
;; A trap during instantiation is still a guest trap (code trap, details.trap unreachable), not a
;; load or link failure.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the start function returned\"}")
  ;; Runs during instantiation.
  (func $init
    (drop (call $input_len))
    (unreachable))
  (start $init)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
