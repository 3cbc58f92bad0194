;;! id = "cpu.infinite-loop-start"
;;! guarantee = "CPU-02"
;;! since = "0.1.0"
;;! summary = "the start function calls input_len, then loops forever"
;;! endless = true
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_len = 1 }
;; The loop runs during instantiation, before yoi_tool_call exists. A runtime that arms its deadline
;; only around the export call never stops it.
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
