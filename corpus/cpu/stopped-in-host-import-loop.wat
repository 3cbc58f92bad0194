;;! id = "cpu.stopped-in-host-import-loop"
;;! guarantee = "CPU-05"
;;! since = "0.1.0"
;;! summary = "three calls, each looping over host imports until its 100 ms deadline: no guest may run on"
;;! repeat = 3
;;! endless = true
;;! [limits]
;;! deadline_ms = 100
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_len = 100, tool_name_len = 100 }
;;! guest_stopped = true
;; As cpu.stopped-in-wasm-loop, with the guest's time spent crossing into the host: a runtime that
;; stops guests only between host calls, or abandons a guest blocked in one, must still stop it.
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
