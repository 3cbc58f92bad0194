;;! id = "features.simd-store-lane-large-offset"
;;! guarantee = "FEAT-02"
;;! since = "0.1.0"
;;! summary = "v128.store8_lane and v128.store16_lane at an offset of 64 KiB or more store the right lane"
;;! [expect]
;;! output = { summary = "lanes def" }
;; Found by the differential fuzzer (docs/FUZZING.md, seed 977320): wasmi 2.0.0 built without its
;; `memory64` feature writes the offset of these two instructions in 32 bits and reads it back
;; in 64, when the offset does not fit in 16 bits and the address is in a slot (a constant or a
;; local); the interpreter then ran past the instruction into garbage and the process died of
;; SIGSEGV. The stores must simply store: lane 3 of the bytes a..p is `d`, lane 2 of its 16-bit
;; lanes is `ef`, and the summary shows the three bytes read back from memory.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "{\"summary\":\"lanes ???\"}")
  (func (export "yoi_tool_call")
    (local $v v128) (local $at i32)
    (local.set $v (v128.const i8x16 0x61 0x62 0x63 0x64 0x65 0x66 0x67 0x68
                                    0x69 0x6a 0x6b 0x6c 0x6d 0x6e 0x6f 0x70))
    ;; The address a constant: the one-byte lane at 70000.
    (v128.store8_lane offset=70000 3 (i32.const 0) (local.get $v))
    ;; The address in a local: the two-byte lane at 70001.
    (local.set $at (i32.const 1))
    (v128.store16_lane offset=70000 2 (local.get $at) (local.get $v))
    (memory.copy (i32.const 18) (i32.const 70000) (i32.const 3))
    (drop (call $output_write (i32.const 0) (i32.const 23)))))
