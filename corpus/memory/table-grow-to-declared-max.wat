;;! id = "memory.table-grow-to-declared-max"
;;! guarantee = "MEM-05"
;;! since = "0.1.0"
;;! summary = "a table of 2, declared maximum 4: grow by 2 reaches the maximum, one more returns -1, the guest goes on"
;;! [expect]
;;! output = { summary = "grew to 4, then -1, size 4" }
;; Growth to exactly the declared maximum succeeds; one element past it returns -1 and leaves the
;; table as it was. A runtime that compares with >= refuses the first grow; one that sends growth
;; past the declared maximum to its cap path fails the call with table_limit.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 2 4 funcref)
  (data (i32.const 0) "{\"summary\":\"grew to 4, then -1, size 4\"}")
  (data (i32.const 64) "{\"summary\":\"the table grew otherwise\"}")
  (func (export "yoi_tool_call")
    (if (i32.and
          (i32.and
            (i32.eq (table.grow $t (ref.null func) (i32.const 2)) (i32.const 2))
            (i32.eq (table.grow $t (ref.null func) (i32.const 1)) (i32.const -1)))
          (i32.eq (table.size $t) (i32.const 4)))
      (then (drop (call $output_write (i32.const 0) (i32.const 40))))
      (else (drop (call $output_write (i32.const 64) (i32.const 38)))))))
