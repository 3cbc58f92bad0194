;;! id = "cpu.fuel-exhausted-start"
;;! guarantee = "CPU-03"
;;! since = "0.1.0"
;;! summary = "the start function loops forever under a budget of 100000 fuel"
;;! endless = true
;;! capabilities = ["fuel"]
;;! [limits]
;;! deadline_ms = 1000
;;! fuel = 100000
;;! [expect]
;;! code = "fuel_exhausted"
;;! min_host_calls = { input_len = 1 }
;; Fuel must be set before instantiation, like the deadline, or the start function runs unmetered.
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
