;;! id = "memory.grow-to-cap"
;;! guarantee = "MEM-02"
;;! since = "0.1.0"
;;! summary = "grows from 1 to exactly 32 pages and uses the last byte"
;;! [expect]
;;! output = { summary = "grew to 32 pages and used the last byte" }
;; Growth to exactly the cap succeeds, and the whole memory is usable: the guest stores and reloads
;; the byte at 2 MiB - 1. A cap check that is off by one page fails this.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"grew to 32 pages and used the last byte\"}")
  (data (i32.const 128) "{\"summary\":\"growth to the cap failed\"}")
  (func (export "yoi_tool_call")
    (if (i32.and
          (i32.eq (memory.grow (i32.const 31)) (i32.const 1))
          (i32.eq (memory.size) (i32.const 32)))
      (then
        (i32.store8 (i32.const 0x1fffff) (i32.const 0x5a))
        (if (i32.eq (i32.load8_u (i32.const 0x1fffff)) (i32.const 0x5a))
          (then (drop (call $output_write (i32.const 0) (i32.const 53)))
                (return)))))
    (drop (call $output_write (i32.const 128) (i32.const 38)))))
