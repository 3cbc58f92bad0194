;;! id = "isolation.dropped-segment"
;;! guarantee = "ISO-01"
;;! since = "0.1.0"
;;! summary = "copies a passive data segment, then drops it, three calls"
;;! repeat = 3
;;! [expect]
;;! output = { summary = "copied from a passive segment" }
;; After data.drop, memory.init traps in the same instance; in a fresh instance the segment is there
;; again. A reused instance traps on the second call.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data $result "{\"summary\":\"copied from a passive segment\"}")
  (func (export "yoi_tool_call")
    (memory.init $result (i32.const 0) (i32.const 0) (i32.const 43))
    (data.drop $result)
    (drop (call $output_write (i32.const 0) (i32.const 43)))))
