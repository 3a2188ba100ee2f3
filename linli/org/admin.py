from django.contrib import admin

from linli.org.models import Community, Grid, Post, Staff, Subdistrict

admin.site.register(Subdistrict)
admin.site.register(Community)
admin.site.register(Grid)
admin.site.register(Post)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "user"]
    filter_horizontal = ["posts", "subdistricts", "communities", "grids"]
    exclude = ["phone"]
