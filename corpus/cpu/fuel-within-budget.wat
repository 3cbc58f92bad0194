;;! id = "cpu.fuel-within-budget"
;;! guarantee = "CPU-03"
;;! since = "0.1.0"
;;! summary = "a 1000-iteration loop under a budget of 100000 fuel completes"
;;! capabilities = ["fuel"]
;;! [limits]
;;! fuel = 100000
;;! [expect]
;;! output = { summary = "finished within budget" }
;; About five instructions per iteration: far inside the budget. Metering must not fail calls that
;; stay within it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"finished within budget\"}")
  (func (export "yoi_tool_call")
    (local $i i32)
    (loop $count
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $count (i32.lt_u (local.get $i) (i32.const 1000))))
    (drop (call $output_write (i32.const 0) (i32.const 36)))))
