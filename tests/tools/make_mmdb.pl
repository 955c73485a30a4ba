#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
#
# Write small MaxMind DB (.mmdb) files for tests, laid out like
# GeoLite2-Country (country.iso_code, country.names.en,
# registered_country.*), so the GeoIP code is tested against the real
# reader without shipping a vendor database.
#
# Usage: make_mmdb.pl [OPTIONS] OUT.mmdb ENTRY...
#        make_mmdb.pl --batch SPEC     (one "[OPTIONS] OUT.mmdb ENTRY..."
#                                       per line; blank and # lines skipped)
#   ENTRY is NET=CC      country and registered_country CC
#            NET=rc:CC   registered_country CC only (no country)
#            NET=-       a record without any country (continent only)
#            NET=asn:N   an ASN-database-like record (no country)
# NET is IPv4 or IPv6 CIDR ("127.0.0.0/8", "::1/128"); a bare address is a
# host route. IPv4 goes into the ::/96 subtree of an IPv6 database, as in
# the vendor files. Entries are inserted broadest first, so a more specific
# network wins whatever the argument order. Any string is accepted as CC:
# tests feed the reader bad codes on purpose.
# OPTIONS (anywhere on the line):
#   --type NAME        metadata database_type (default "GeoLite2-Country")
#   --ip-version 4|6   tree type (default 6)
#   --no-alias         leave ::ffff:0:0/96 unaliased (some files do)
# Batch mode exists because loading the writer costs most of a run.
use strict;
use warnings;

use Getopt::Long qw(GetOptionsFromArray :config permute no_ignore_case);
use MaxMind::DB::Writer::Tree;

my %types = (
    country                        => 'map',
    registered_country             => 'map',
    continent                      => 'map',
    names                          => 'map',
    en                             => 'utf8_string',
    iso_code                       => 'utf8_string',
    code                           => 'utf8_string',
    geoname_id                     => 'uint32',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

if ( @ARGV == 2 && $ARGV[0] eq '--batch' ) {
    my $spec = $ARGV[1];
    open my $in, '<', $spec or die "make_mmdb.pl: $spec: $!\n";
    while ( my $line = <$in> ) {
        next if $line =~ /\A\s*(?:#|\z)/;
        write_db( split ' ', $line );
    }
    close $in;
}
else {
    write_db(@ARGV);
}
exit 0;

sub write_db {
    my @args       = @_;
    my $type       = 'GeoLite2-Country';
    my $ip_version = 6;
    my $no_alias   = 0;

    GetOptionsFromArray(
        \@args,
        'type=s'       => \$type,
        'ip-version=i' => \$ip_version,
        'no-alias'     => \$no_alias,
    ) or usage();
    usage() if @args < 1;
    die "make_mmdb.pl: --ip-version must be 4 or 6\n"
        unless $ip_version == 4 || $ip_version == 6;
    my $out = shift @args;

    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version    => $ip_version,
        record_size   => 28,
        database_type => $type,
        languages     => ['en'],
        description   => { en => 'sipwarden test database' },
        # ::ffff:0:0/96 (and Teredo, 6to4) point at the IPv4 subtree, as in
        # the vendor databases.
        alias_ipv6_to_ipv4 => ( $ip_version == 6 && !$no_alias ? 1 : 0 ),
        # Tests use loopback and documentation networks.
        remove_reserved_networks => 0,
        map_key_type_callback    => sub {
            my $t = $types{ $_[0] };
            die "make_mmdb.pl: no type for key '$_[0]'\n" unless defined $t;
            return $t;
        },
    );

    my @entries;
    for my $arg (@args) {
        my ( $net, $val ) = $arg =~ /\A([^=]+)=(.*)\z/
            or die "make_mmdb.pl: bad entry '$arg' (want NET=VALUE)\n";
        my $len;
        if ( $net =~ m{\A(.+)/(\d+)\z} ) {
            $len = $2;
        }
        else {
            $len = $net =~ /:/ ? 128 : 32;
            $net = "$net/$len";
        }
        # One scale for both families: an IPv4 /8 is a /104 in ::/96.
        my $key = $net =~ /:/ ? $len : $len + 96;
        push @entries, [ $key, $net, record_of($val) ];
    }
    # Stable sort: broadest first, argument order among equals.
    for my $e ( sort { $a->[0] <=> $b->[0] } @entries ) {
        $tree->insert_network( $e->[1], $e->[2] );
    }

    open my $fh, '>:raw', $out or die "make_mmdb.pl: $out: $!\n";
    $tree->write_tree($fh);
    close $fh or die "make_mmdb.pl: $out: $!\n";
    return;
}

sub record_of {
    my ($val) = @_;
    if ( $val eq '-' ) {
        return { continent => { code => 'EU', names => { en => 'Europe' } } };
    }
    if ( $val =~ /\Aasn:(\d+)\z/ ) {
        return {
            autonomous_system_number       => $1,
            autonomous_system_organization => "Test AS$1",
        };
    }
    if ( $val =~ /\Arc:(.*)\z/ ) {
        return { registered_country => country($1) };
    }
    return { country => country($val), registered_country => country($val) };
}

sub country {
    my ($cc) = @_;
    return {
        iso_code   => $cc,
        names      => { en => "Country $cc" },
        geoname_id => 1,
    };
}

sub usage {
    print STDERR "usage: make_mmdb.pl [--type NAME] [--ip-version 4|6]"
        . " [--no-alias] OUT.mmdb NET=CC|NET=rc:CC|NET=-|NET=asn:N ...\n"
        . "       make_mmdb.pl --batch SPEC\n";
    exit 2;
}
