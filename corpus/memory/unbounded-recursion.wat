;;! id = "memory.unbounded-recursion"
;;! guarantee = "MEM-04"
;;! since = "0.1.0"
;;! summary = "a function that calls itself with no base case"
;;! [expect]
;;! code = "stack_overflow"
;;! min_host_calls = { input_len = 1 }
;; The wasm stack must be bounded and its exhaustion reported as stack_overflow; a runtime that runs
;; guests on the host thread's stack without a guard crashes the process.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (func $down (param $n i32) (result i32)
    ;; No base case: every call recurses.
    (i32.add (call $down (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "yoi_tool_call")
    (drop (call $down (call $input_len)))))
