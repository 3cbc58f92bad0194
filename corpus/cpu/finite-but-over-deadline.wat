;;! id = "cpu.finite-but-over-deadline"
;;! guarantee = "CPU-01"
;;! since = "0.1.0"
;;! summary = "a loop of 10^9 iterations that ends and writes a result, against a 50 ms deadline"
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { input_len = 1 }
;; The guest would finish (in about half a second on a current machine) and write a valid result,
;; but long after its 50 ms deadline. A runtime that only compares the elapsed time after the call,
;; or whose deadline fires late, returns that result; the call must end with timeout.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"finished after the deadline\"}")
  (func (export "yoi_tool_call")
    (local $i i32)
    (drop (call $input_len))
    ;; A billion iterations: finite, and far longer than 50 ms.
    (loop $count
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $count (i32.lt_u (local.get $i) (i32.const 1000000000))))
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
