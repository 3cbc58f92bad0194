;;! id = "memory.table-grow-past-declared-max"
;;! guarantee = "MEM-05"
;;! since = "0.1.0"
;;! summary = "table.grow past the table's own declared maximum (2 elements), far under the cap"
;;! [expect]
;;! output = { summary = "table.grow returned -1" }
;; As for memories: WebAssembly answers a grow past the table's declared maximum with -1 and the
;; guest goes on. The guest knows its maximum, so the answer tells it nothing about the host's
;; table cap: it is not table_limit. A runtime that sends every failed table growth to its
;; limiter's failure path (as one that counts the cap must do for growth past the cap) fails the
;; call here instead.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 1 2 funcref)
  (data (i32.const 0) "{\"summary\":\"table grew past the declared maximum\"}")
  (data (i32.const 64) "{\"summary\":\"table.grow returned -1\"}")
  (func (export "yoi_tool_call")
    ;; 1 + 2 elements: over the declared maximum of 2, against the 256-element cap.
    (if (i32.eq (table.grow $t (ref.null func) (i32.const 2)) (i32.const -1))
      (then (drop (call $output_write (i32.const 64) (i32.const 36))))
      (else (drop (call $output_write (i32.const 0) (i32.const 50)))))))
