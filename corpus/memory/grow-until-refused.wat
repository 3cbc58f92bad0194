;;! id = "memory.grow-until-refused"
;;! guarantee = "MEM-02"
;;! since = "0.2.0"
;;! summary = "memory.grow by one page, again and again, until the runtime refuses it"
;;! endless = true
;;! [expect]
;;! code = "memory_limit"
;;! min_host_calls = { input_len = 1 }
;; The guest's demand has no end, so it exceeds whatever cap the runtime keeps (below the 4 GiB a
;; 32-bit memory can address): the refusal is checked at a memory cap a runtime declares fixed,
;; where the cases sized to the 2 MiB default exceed nothing.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if a grow comes back -1 (the cap probed, the call carried on).
  (data (i32.const 0) "{\"summary\":\"memory.grow returned -1\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (drop (call $output_write (i32.const 0) (i32.const 37)))))
