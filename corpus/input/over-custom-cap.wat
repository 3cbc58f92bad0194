;;! id = "input.over-custom-cap"
;;! guarantee = "IN-01"
;;! since = "0.1.0"
;;! summary = "input_bytes = 64 and an input of 65 bytes"
;;! separates_from = { input_bytes = 64 }
;;! input_size = 65
;;! [limits]
;;! input_bytes = 64
;;! [expect]
;;! code = "input_too_large"
;; A configured cap must be honoured as well as the default one.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
