;;! id = "package.digest-order-subdirectory"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "the module is plugin/tool.wasm: byte order puts plugin.toml first, a sort by components puts it second"
;;! [package]
;;! entry = "plugin/tool.wasm"
;;! [expect]
;;! output = { summary = "hashed in byte order" }
;; The digest hashes files in byte order of their '/'-separated paths. "plugin.toml" sorts before
;; "plugin/tool.wasm" because '.' (0x2E) is below '/' (0x2F); a sort by path components (Rust's
;; `Path` ordering, or a directory walk that sorts each directory's entries by name and descends into
;; "plugin" before it reaches "plugin.toml") puts the module first. Such a runtime computes another
;; digest than the one pinned and fails this intact package with digest_mismatch.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"hashed in byte order\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 34)))))
