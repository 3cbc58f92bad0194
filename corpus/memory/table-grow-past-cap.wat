;;! id = "memory.table-grow-past-cap"
;;! guarantee = "MEM-03"
;;! since = "0.1.0"
;;! summary = "table.grow from 1 to 257 elements"
;;! separates_up_to = { table_elements = 256 }
;;! separates_from = { table_elements = 256 }
;;! [expect]
;;! code = "table_limit"
;;! min_host_calls = { input_len = 1 }
;; Like memory, table growth past the cap fails the call instead of returning -1.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 0) "{\"summary\":\"table grew past the cap\"}")
  (data (i32.const 64) "{\"summary\":\"table.grow returned -1\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; 1 + 256 = 257 elements.
    (if (i32.eq (table.grow $t (ref.null func) (i32.const 256)) (i32.const -1))
      (then (drop (call $output_write (i32.const 64) (i32.const 36))))
      (else (drop (call $output_write (i32.const 0) (i32.const 37)))))))
