;;! id = "input.over-cap"
;;! guarantee = "IN-01"
;;! since = "0.1.0"
;;! summary = "an input of 65537 bytes, one over the default cap"
;;! separates_up_to = { input_bytes = 65536 }
;;! separates_from = { input_bytes = 65536 }
;;! input_size = 65537
;;! [expect]
;;! code = "input_too_large"
;; Valid JSON that only the size check can refuse; the guest would run and succeed.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
