;;! id = "memory.table-grow-to-cap"
;;! guarantee = "MEM-03"
;;! since = "0.1.0"
;;! summary = "table.grow from 1 to exactly 256 elements succeeds"
;;! [expect]
;;! output = { summary = "table grew to 256 elements" }
;; The edge of the table cap is allowed.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 0) "{\"summary\":\"table grew to 256 elements\"}")
  (data (i32.const 64) "{\"summary\":\"table growth to the cap failed\"}")
  (func (export "yoi_tool_call")
    (if (i32.and
          (i32.eq (table.grow $t (ref.null func) (i32.const 255)) (i32.const 1))
          (i32.eq (table.size $t) (i32.const 256)))
      (then (drop (call $output_write (i32.const 0) (i32.const 40))))
      (else (drop (call $output_write (i32.const 64) (i32.const 44)))))))
