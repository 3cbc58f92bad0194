;;! id = "memory.grow-past-declared-max"
;;! guarantee = "MEM-05"
;;! since = "0.1.0"
;;! summary = "memory.grow past the module's own declared maximum (2 pages), far under the cap"
;;! [expect]
;;! output = { summary = "memory.grow returned -1" }
;; WebAssembly answers a grow past the memory's declared maximum with -1, and the guest goes on. The
;; guest knows its maximum, so this tells it nothing about the host's cap: it is not memory_limit.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1 2)
  (data (i32.const 0) "{\"summary\":\"grew past the declared maximum\"}")
  (data (i32.const 64) "{\"summary\":\"memory.grow returned -1\"}")
  (func (export "yoi_tool_call")
    ;; 1 + 2 pages: over the declared maximum of 2, 192 KiB against the 2 MiB cap.
    (if (i32.eq (memory.grow (i32.const 2)) (i32.const -1))
      (then (drop (call $output_write (i32.const 64) (i32.const 37))))
      (else (drop (call $output_write (i32.const 0) (i32.const 45)))))))
