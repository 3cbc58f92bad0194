;;! id = "abi.output-write-at-end"
;;! guarantee = "ABI-02"
;;! since = "0.1.0"
;;! summary = "output_write of a range that ends exactly at the end of memory"
;;! [expect]
;;! output = { summary = "written from the last bytes of memory" }
;; [0x10000 - len, 0x10000) is inside memory: the write succeeds and its bytes are the result. An
;; off-by-one bounds check (end < size) refuses it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A valid result placed so that it ends exactly at the end of memory (0x10000 - 51).
  (data (i32.const 0xffcd) "{\"summary\":\"written from the last bytes of memory\"}")
  (func (export "yoi_tool_call")
    ;; Exactly the last bytes of memory.
    (drop (call $output_write (i32.const 65485) (i32.const 51)))))
