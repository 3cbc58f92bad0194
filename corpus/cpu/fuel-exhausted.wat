;;! id = "cpu.fuel-exhausted"
;;! guarantee = "CPU-03"
;;! since = "0.1.0"
;;! summary = "loops forever under a budget of 100000 fuel, three calls"
;;! endless = true
;;! capabilities = ["fuel"]
;;! repeat = 3
;;! [limits]
;;! deadline_ms = 1000
;;! fuel = 100000
;;! [expect]
;;! code = "fuel_exhausted"
;;! min_host_calls = { input_len = 1 }
;; The deadline is a full second, so only the budget can stop the loop within it; every one of the
;; three calls must end with fuel_exhausted (deterministic, not a race with the clock).
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    ;; Spin forever: only the runtime can stop this.
    (loop $forever (br $forever))))
