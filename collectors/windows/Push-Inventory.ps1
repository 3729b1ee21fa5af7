<#
.SYNOPSIS
    Pushes this PC's inventory to ShopDB (POST /api/collector/computers).

.DESCRIPTION
    Reads hostname, OS, domain, last logged-on user, last boot, CPU, memory, disk, BIOS serial,
    installed applications (from the uninstall registry keys, 64- and 32-bit) and network
    interfaces, and sends them as one record. Fields it cannot read are left out: ShopDB keeps
    what it has for a field that is not sent (a null never blanks a value).

.PARAMETER Url
    The push URL, e.g. https://shopdb.plant.local/api/collector/computers

.PARAMETER TokenFile
    A file holding an API token limited to the "computers" service (see README.md).

.EXAMPLE
    .\Push-Inventory.ps1 -Url https://shopdb.plant.local/api/collector/computers -TokenFile C:\ProgramData\ShopDB\token.txt
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Url,
    [Parameter(Mandatory = $true)][string]$TokenFile,
    [switch]$DryRun
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Get-Applications {
    $keys = @(
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
        'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
    )
    $seen = @{}
    foreach ($entry in (Get-ItemProperty -Path $keys -ErrorAction SilentlyContinue)) {
        $name = $entry.PSObject.Properties['DisplayName']
        if (-not $name -or -not $name.Value) { continue }
        $version = if ($entry.PSObject.Properties['DisplayVersion']) { [string]$entry.DisplayVersion } else { '' }
        $key = "$($name.Value)|$version"
        if ($seen.ContainsKey($key)) { continue }
        $seen[$key] = $true
        $publisher = if ($entry.PSObject.Properties['Publisher']) { [string]$entry.Publisher } else { '' }
        [ordered]@{
            name      = ([string]$name.Value).Substring(0, [Math]::Min(200, ([string]$name.Value).Length))
            version   = $version.Substring(0, [Math]::Min(100, $version.Length))
            publisher = $publisher.Substring(0, [Math]::Min(200, $publisher.Length))
        }
    }
}

function Get-Interfaces {
    foreach ($adapter in (Get-CimInstance Win32_NetworkAdapterConfiguration -Filter 'IPEnabled = True')) {
        [ordered]@{
            name        = [string]$adapter.Description
            mac         = [string]$adapter.MACAddress
            ipaddresses = @($adapter.IPAddress | Where-Object { $_ })
        }
    }
}

$os = Get-CimInstance Win32_OperatingSystem
$system = Get-CimInstance Win32_ComputerSystem
$bios = Get-CimInstance Win32_BIOS
$cpu = Get-CimInstance Win32_Processor | Select-Object -First 1
$disk = Get-CimInstance Win32_LogicalDisk -Filter "DeviceID = '$($env:SystemDrive)'"

$record = [ordered]@{
    hostname     = $env:COMPUTERNAME
    serialnumber = [string]$bios.SerialNumber
    osname       = [string]$os.Caption
    osversion    = [string](Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -ErrorAction SilentlyContinue).DisplayVersion
    osbuild      = [string]$os.BuildNumber
    domain       = [string]$system.Domain
    lastuser     = [string]$system.UserName
    lastboot     = $os.LastBootUpTime.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    cpu          = [string]$cpu.Name
    memory_mb    = [int]($system.TotalPhysicalMemory / 1MB)
    disk_gb      = if ($disk) { [int]($disk.Size / 1GB) } else { $null }
    source       = 'powershell'
    applications = @(Get-Applications)
    interfaces   = @(Get-Interfaces)
}
# Leave out what could not be read: ShopDB keeps its value.
foreach ($name in @($record.Keys)) {
    if ($null -eq $record[$name] -or ($record[$name] -is [string] -and -not $record[$name])) { $record.Remove($name) }
}

$body = @{ records = @($record) } | ConvertTo-Json -Depth 6 -Compress
if ($DryRun) { $body; return }

$token = (Get-Content -Path $TokenFile -Raw).Trim()
$answer = Invoke-RestMethod -Method Post -Uri $Url -Body ([Text.Encoding]::UTF8.GetBytes($body)) `
    -ContentType 'application/json; charset=utf-8' -Headers @{ Authorization = "Bearer $token" }
$result = $answer.results[0]
Write-Output "$($result.identity): $($result.outcome) $($result.changed -join ', ') $($result.reason)"
if ($result.outcome -eq 'rejected') { exit 1 }
