;;! id = "cpu.host-import-spin"
;;! guarantee = "CPU-01"
;;! since = "0.1.0"
;;! summary = "calls input_len and tool_name_len in a tight loop forever"
;;! endless = true
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_len = 100, tool_name_len = 100 }
;; The loop spends its time crossing into the host. Interruption that only checks in guest code
;; between host calls must still fire, and every host call must return promptly.
(module
  (import "yoi:tool" "input_len"     (func $input_len     (result i32)))
  (import "yoi:tool" "tool_name_len" (func $tool_name_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    ;; A host call first, as evidence that the guest started (and was not refused earlier).
    (drop (call $input_len))
    ;; As many host calls as the CPU allows.
    (loop $forever
      (drop (call $input_len))
      (drop (call $tool_name_len))
      (br $forever))))
