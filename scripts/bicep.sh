#!/usr/bin/env bash
# Installs the pinned Bicep CLI from NuGet and prints the path of its `bicep` executable.
#
#   scripts/bicep.sh                    restore (a no-op once done) and print the path
#   scripts/bicep.sh lint infra/main.bicep   restore, then run `bicep lint infra/main.bicep`
#
# The version is pinned in tools/bicep/bicep.csproj (a restore-only project: nothing is built). The
# package Azure.Bicep.CommandLine.linux-x64 carries a self-contained executable in tools/bicep, so
# the .NET SDK is needed only to restore it. Linux x64 only; elsewhere install Bicep another way
# (`az bicep install`) and point BICEP_PATH at it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
project="$root/tools/bicep/bicep.csproj"
package="azure.bicep.commandline.linux-x64"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "scripts/bicep.sh: the .NET SDK (dotnet) is needed to restore the Bicep CLI" >&2
  exit 1
fi
version="$(sed -n 's:.*<BicepVersion>\(.*\)</BicepVersion>.*:\1:p' "$project")"
if [ -z "$version" ]; then
  echo "scripts/bicep.sh: no <BicepVersion> in $project" >&2
  exit 1
fi
packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
packages="${packages%/}"
bicep="$packages/$package/$version/tools/bicep"
if [ ! -f "$bicep" ]; then
  # Restore output is stdout noise for callers that capture the path: send it to stderr.
  dotnet restore "$project" --verbosity quiet >&2
fi
if [ ! -f "$bicep" ]; then
  echo "scripts/bicep.sh: restore finished but $bicep is missing" >&2
  exit 1
fi
# NuGet extracts the file as rwxr--r--: make it executable for everyone, not only its owner.
[ -x "$bicep" ] && [ "$(stat -c %a "$bicep")" = 755 ] || chmod 755 "$bicep"

if [ "$#" -eq 0 ]; then
  printf '%s\n' "$bicep"
else
  exec "$bicep" "$@"
fi
