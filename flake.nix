{
  description = "toolcage: a conformance kit for sandboxed WebAssembly plugin-tool runtimes, and the reference runtime that passes it";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = nixpkgs.legacyPackages.${system};
        # The workspace (runtime, its mutant build, CLI, kit, self-test, xtask) from the committed Cargo.lock. The peers crate in
        # bench/ is outside the workspace and is not built here.
        workspace = {
          pname = "toolcage";
          version = "0.1.0";
          src = ./.;
          cargoLock.lockFile = ./Cargo.lock;
          cargoBuildFlags = [ "--workspace" ];
        };
      in
      {
        packages.default = pkgs.rustPlatform.buildRustPackage (workspace // {
          doCheck = false;
          meta.mainProgram = "toolcage-runtime";
        });

        # The README's test command, offline, inside the sandbox.
        checks.tests = pkgs.rustPlatform.buildRustPackage (workspace // {
          pname = "toolcage-tests";
          doCheck = true;
          cargoTestFlags = [ "--workspace" ];
        });

        devShells.default = pkgs.mkShell {
          packages = with pkgs; [ cargo rustc clippy rustfmt cargo-nextest cargo-insta ];
        };
      });
}
