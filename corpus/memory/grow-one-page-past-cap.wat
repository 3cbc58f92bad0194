;;! id = "memory.grow-one-page-past-cap"
;;! guarantee = "MEM-02"
;;! since = "0.1.0"
;;! summary = "grows to exactly 32 pages, then by one page more"
;;! separates_up_to = { memory_bytes = 2162687 }
;;! separates_from = { memory_bytes = 2097152 }
;;! [expect]
;;! code = "memory_limit"
;;! min_host_calls = { input_len = 1 }
;; The first growth reaches the cap and must succeed; the second goes one page past it.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if it survives its growth: either way, not memory_limit.
  (data (i32.const 0) "{\"summary\":\"grew past the cap\"}")
  (data (i32.const 64) "{\"summary\":\"memory.grow returned -1\"}")
  (func (export "yoi_tool_call")
    (local $r i32)
    (drop (call $input_len))
    ;; To exactly 32 pages (allowed), then to 33.
    (local.set $r (memory.grow (i32.const 31)))
    (local.set $r (memory.grow (i32.const 1)))
    (if (i32.eq (local.get $r) (i32.const -1))
      (then (drop (call $output_write (i32.const 64) (i32.const 37))))
      (else (drop (call $output_write (i32.const 0) (i32.const 31)))))))
