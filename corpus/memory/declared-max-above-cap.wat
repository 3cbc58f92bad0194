;;! id = "memory.declared-max-above-cap"
;;! guarantee = "MEM-01"
;;! since = "0.1.0"
;;! summary = "memory 1 page, declared maximum 65536 pages, uses one page"
;;! [expect]
;;! output = { summary = "ran with a large declared maximum" }
;; Toolchains declare large maximums as a matter of course. The cap applies to what the memory
;; actually becomes, so this module runs.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1 65536)
  ;; The result of the normal run.
  (data (i32.const 0) "{\"summary\":\"ran with a large declared maximum\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 47)))))
