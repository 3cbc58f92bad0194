;;! id = "output.no-output"
;;! guarantee = "OUT-03"
;;! since = "0.1.0"
;;! summary = "reads its input and returns without writing"
;;! [expect]
;;! code = "output_missing"
;;! min_host_calls = { input_len = 1, input_read = 1 }
;; A normal return with nothing written is output_missing, not an empty success.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "input_read"   (func $input_read   (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; Evidence that the guest ran: it reads its input, then returns without output_write.
    (drop (call $input_read (i32.const 0) (call $input_len)))))
