;;! id = "output.many-writes-under-cap"
;;! guarantee = "OUT-01"
;;! since = "0.1.0"
;;! summary = "output_bytes = 64: three writes of 40 bytes each, 120 bytes in all; the last is the result"
;;! separates_up_to = { output_bytes = 119 }
;;! [limits]
;;! output_bytes = 64
;;! [expect]
;;! output = { summary = "third write of forty bytes" }
;;! min_host_calls = { output_write = 3 }
;; The cap bounds each write (the output is the last write, not the sum of them). A runtime that
;; counts the bytes of all writes against the cap fails the second write with output_too_large.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0)   "{\"summary\":\"first write of forty byte\"} ")
  (data (i32.const 64)  "{\"summary\":\"second write of forty byte\"}")
  (data (i32.const 128) "{\"summary\":\"third write of forty bytes\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 40)))
    (drop (call $output_write (i32.const 64) (i32.const 40)))
    (drop (call $output_write (i32.const 128) (i32.const 40)))))
