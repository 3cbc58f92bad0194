;;! id = "cpu.default-deadline"
;;! guarantee = "CPU-01"
;;! since = "0.1.0"
;;! summary = "loops forever with no deadline override: the 1000 ms default applies"
;;! endless = true
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_len = 1 }
;; The only case in the corpus that relies on the default deadline: a runtime whose deadline exists
;; only when configured runs forever.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    ;; Spin forever: only the runtime can stop this.
    (loop $forever (br $forever))))
