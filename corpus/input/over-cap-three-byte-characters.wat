;;! id = "input.over-cap-three-byte-characters"
;;! guarantee = "IN-01"
;;! since = "0.1.0"
;;! summary = "input_bytes = 64 and an input of 27 characters that is 65 UTF-8 bytes (three-byte CJK)"
;;! separates_from = { input_bytes = 27 }
;;! input = '{"t":"日本語の入力は一文字が三バイトでありま"}'
;;! [limits]
;;! input_bytes = 64
;;! [expect]
;;! code = "input_too_large"
;; The second case of input.over-cap-multibyte, with three-byte characters: 19 of them make the
;; input 65 bytes, 27 characters and 27 UTF-16 units. A cap that counts characters or UTF-16 units
;; (the length of a string in most languages other than Rust) lets it through.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the input reached the guest\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
