;;! id = "cpu.fuel-budget-per-call"
;;! guarantee = "CPU-03"
;;! since = "0.1.0"
;;! summary = "a 10000-iteration loop under a budget of 100000 fuel, three calls: each fits, together they do not"
;;! separates_up_to = { fuel = 100000 }
;;! capabilities = ["fuel"]
;;! repeat = 3
;;! [limits]
;;! fuel = 100000
;;! [expect]
;;! output = { summary = "finished within this call's budget" }
;; About five instructions per iteration, so one call uses roughly half the budget and two calls
;; more than all of it. The budget is per call: every call completes. A runtime that meters one
;; budget per loaded plugin (or per store it reuses) fails the second call with fuel_exhausted.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"finished within this call's budget\"}")
  (func (export "yoi_tool_call")
    (local $i i32)
    (loop $count
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $count (i32.lt_u (local.get $i) (i32.const 10000))))
    (drop (call $output_write (i32.const 0) (i32.const 48)))))
