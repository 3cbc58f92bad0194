;;! id = "isolation.data-segment-overwritten"
;;! guarantee = "ISO-01"
;;! since = "0.1.0"
;;! summary = "returns its data segment, then overwrites it, three calls"
;;! repeat = 3
;;! [expect]
;;! output = { summary = "original" }
;; Every call must see the bytes the data segment put there, not what the previous call left.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result, as initialised by the active data segment.
  (data (i32.const 0) "{\"summary\":\"original\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 22)))
    ;; Overwrite "original" with "modified" for whoever runs next in this instance.
    (i64.store (i32.const 12) (i64.const 0x6465696669646f6d))))
