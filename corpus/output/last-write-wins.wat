;;! id = "output.last-write-wins"
;;! guarantee = "OUT-03"
;;! since = "0.1.0"
;;! summary = "three valid writes: the third is the result"
;;! [expect]
;;! output = { summary = "third and last" }
;;! min_host_calls = { output_write = 3 }
;; All three writes are valid results, so a runtime that keeps the first write, or concatenates
;; them, gives a different answer.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"first\"}")
  (data (i32.const 64) "{\"summary\":\"second\"}")
  (data (i32.const 128) "{\"summary\":\"third and last\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 19)))
    (drop (call $output_write (i32.const 64) (i32.const 20)))
    (drop (call $output_write (i32.const 128) (i32.const 28)))))
