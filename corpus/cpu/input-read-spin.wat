;;! id = "cpu.input-read-spin"
;;! guarantee = "CPU-01"
;;! since = "0.1.0"
;;! summary = "copies a 64 KiB input with input_read in a loop forever"
;;! endless = true
;;! input_size = 65536
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_read = 10 }
;; Each call makes the host copy the largest input there is. Host work per call is bounded by the
;; input cap, so the deadline still ends the call.
(module
  (import "yoi:tool" "input_len"  (func $input_len  (result i32)))
  (import "yoi:tool" "input_read" (func $input_read (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "yoi_tool_call")
    (local $len i32)
    (local.set $len (call $input_len))
    ;; The biggest copy the host will make, again and again.
    (loop $forever
      (drop (call $input_read (i32.const 0) (local.get $len)))
      (br $forever))))
