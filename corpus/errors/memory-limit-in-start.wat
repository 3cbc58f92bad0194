;;! id = "errors.memory-limit-in-start"
;;! guarantee = "ERR-02"
;;! since = "0.1.0"
;;! summary = "the start function grows memory past the cap"
;;! separates_up_to = { memory_bytes = 2162687 }
;;! [expect]
;;! code = "memory_limit"
;;! min_host_calls = { input_len = 1 }
;; Growth past the cap during instantiation is memory_limit as it is in the entry.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the start function returned\"}")
  ;; Runs during instantiation.
  (func $init
    (drop (call $input_len))
    (drop (memory.grow (i32.const 32))))
  (start $init)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
